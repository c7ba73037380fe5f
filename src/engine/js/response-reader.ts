/** What a chunk of response bytes did to the reader. */
export type ReadState = 'more' | 'done' | 'error';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** An HTTP/1.0 or 1.1 status line: the version, a space, three digits. */
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/;
const MAX_HEAD_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * A minimal incremental HTTP/1.x response reader: status line, the framing headers
 * (Content-Length, Transfer-Encoding: chunked), then the body by length, by chunks, or until
 * the server closes. It skips interim 1xx responses. It keeps no body bytes: a load
 * generator needs to know where the response ends, not what it says.
 */
export class ResponseReader {
  status = 0;
  /** The response said `Connection: close` (or was HTTP/1.0 without keep-alive): do not reuse the connection. */
  closeRequested = false;
  private head: Buffer = EMPTY;
  private remaining = 0;
  private mode: 'head' | 'length' | 'chunked' | 'eof' | 'done' = 'head';
  private chunkLine = '';
  private chunkPhase: 'size' | 'data' | 'data-crlf' | 'trailer' = 'size';
  private trailerLine = '';

  constructor(private readonly headRequest = false) {}

  /** Ready for the next response on the same connection (keepalive), without a new object. */
  reset(): void {
    this.status = 0;
    this.closeRequested = false;
    this.head = EMPTY;
    this.remaining = 0;
    this.mode = 'head';
    this.chunkLine = '';
    this.chunkPhase = 'size';
    this.trailerLine = '';
  }

  /** Feeds bytes; returns `done` once the response is complete. */
  push(data: Buffer): ReadState {
    let buf = data;
    while (buf.length > 0) {
      if (this.mode === 'head') {
        const joined: Buffer = this.head.length === 0 ? buf : Buffer.concat([this.head, buf]);
        const end = joined.indexOf(CRLFCRLF);
        if (end < 0) {
          if (joined.length > MAX_HEAD_BYTES) return 'error';
          // A whole first line that is no status line: not HTTP, whatever follows (as the native framer says).
          const firstLine = joined.indexOf(CRLF);
          if (firstLine >= 0 && !STATUS_LINE.test(joined.subarray(0, firstLine).toString('latin1'))) return 'error';
          this.head = joined;
          return 'more';
        }
        const state = this.parseHead(joined.subarray(0, end).toString('latin1'));
        buf = joined.subarray(end + 4);
        this.head = EMPTY;
        if (state !== 'more') return state;
        continue;
      }
      if (this.mode === 'length') {
        const take = Math.min(this.remaining, buf.length);
        this.remaining -= take;
        if (this.remaining === 0) return this.finish();
        return 'more';
      }
      if (this.mode === 'chunked') {
        const consumed = this.pushChunked(buf);
        if (consumed < 0) return 'error';
        if (this.mode !== 'chunked') return 'done';
        buf = buf.subarray(consumed);
        continue;
      }
      return this.mode === 'done' ? 'done' : 'more';
    }
    return this.mode === 'done' ? 'done' : 'more';
  }

  /** The server closed. A response framed by the close ends here; any other is cut short. */
  end(): ReadState {
    if (this.mode === 'eof') return this.finish();
    return this.mode === 'done' ? 'done' : 'error';
  }

  /** True when the response ends only when the server closes. */
  get endsAtClose(): boolean {
    return this.mode === 'eof';
  }

  private finish(): ReadState {
    this.mode = 'done';
    return 'done';
  }

  private parseHead(text: string): ReadState | 'more' {
    const lines = text.split('\r\n');
    const statusMatch = STATUS_LINE.exec(lines[0] ?? '');
    if (!statusMatch) return 'error';
    this.status = Number(statusMatch[1]);
    if (this.status >= 100 && this.status < 200 && this.status !== 101) return 'more';
    let length: number | null = null;
    let chunked = false;
    let keepAliveHeader = false;
    const http10 = (lines[0] ?? '').startsWith('HTTP/1.0');
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value)) return 'error';
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = /(^|,)\s*chunked\s*$/i.test(value);
      } else if (name === 'connection') {
        if (/(^|,)\s*close\s*(,|$)/i.test(value)) this.closeRequested = true;
        if (/(^|,)\s*keep-alive\s*(,|$)/i.test(value)) keepAliveHeader = true;
      }
    }
    if (http10 && !keepAliveHeader) this.closeRequested = true;
    if (this.headRequest || this.status === 204 || this.status === 304) return this.finish();
    if (chunked) {
      this.mode = 'chunked';
      return 'more';
    }
    if (length !== null) {
      if (length === 0) return this.finish();
      this.mode = 'length';
      this.remaining = length;
      return 'more';
    }
    this.mode = 'eof';
    return 'more';
  }

  /** Consumes chunked framing; returns bytes consumed, or -1 on malformed input. */
  private pushChunked(buf: Buffer): number {
    let i = 0;
    while (i < buf.length) {
      if (this.chunkPhase === 'data') {
        const take = Math.min(this.remaining, buf.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.chunkPhase = 'data-crlf';
        continue;
      }
      const nl = buf.indexOf(10, i);
      const piece = buf.toString('latin1', i, nl < 0 ? buf.length : nl + 1);
      i = nl < 0 ? buf.length : nl + 1;
      if (nl < 0) {
        if (this.chunkPhase === 'size') this.chunkLine += piece;
        else if (this.chunkPhase === 'trailer') this.trailerLine += piece;
        if (this.chunkLine.length > 1024 || this.trailerLine.length > MAX_HEAD_BYTES) return -1;
        continue;
      }
      if (this.chunkPhase === 'data-crlf') {
        this.chunkPhase = 'size';
        continue;
      }
      if (this.chunkPhase === 'size') {
        const line = (this.chunkLine + piece).trim();
        this.chunkLine = '';
        const size = parseInt(line.split(';')[0]!, 16);
        if (!/^[0-9a-f]+/i.test(line) || Number.isNaN(size)) return -1;
        if (size === 0) this.chunkPhase = 'trailer';
        else {
          this.remaining = size;
          this.chunkPhase = 'data';
        }
        continue;
      }
      const line = (this.trailerLine + piece).trim();
      this.trailerLine = '';
      if (line === '') {
        this.mode = 'done';
        return i;
      }
    }
    return i;
  }
}
