/** What the test asserts against: the scene's fixed figures. */
export const SCENE = {
  portRange: '40000 40999',
  reserved: '40000-40099',
  destinations: [
    { host: '127.0.0.2', port: 8080, timeWait: 300 },
    { host: '127.0.0.3', port: 8080, timeWait: 100 },
  ],
  /** A listener inside the range: connect() skips its port. */
  listenerInRange: { host: '127.0.0.9', port: 40600 },
  /** A socket bound with bind() and nothing else (seen by sock_diag on Linux 6.10+ only). */
  boundOnly: { host: '127.0.0.9', port: 40500 },
  /** New connections towards the first destination during the library watch's interval. */
  driven: 50,
  intervalMs: 1000,
} as const;
