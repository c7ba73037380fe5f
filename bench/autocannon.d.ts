// The few parts of autocannon 9's programmatic API that bench/ uses (it ships no types).
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    headers?: Record<string, string>;
    pipelining?: number;
    timeout?: number;
  }
  interface Result {
    requests: { total: number; average: number };
    '2xx': number;
    non2xx: number;
    errors: number;
    timeouts: number;
    resets: number;
    duration: number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
