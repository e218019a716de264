// Every hard limit of the server transport, with the attack it stops. All but the last are configurable.
import { MAX_MESSAGE_SIZE as TTLV_MAX_MESSAGE_SIZE } from '../ttlv/limits.js';

/** A TCP peer that connects and never completes the TLS handshake is dropped after this: it would
 *  otherwise hold a connection slot for Node's default 120 s (PyKMIP CVE-2018-1000872). */
export const HANDSHAKE_TIMEOUT_MS = 5_000;

/** A connection with no message in progress and none in flight is closed after this: idle peers
 *  would otherwise accumulate until the connection limit locks everyone out. */
export const IDLE_TIMEOUT_MS = 120_000;

/** A whole message must arrive within this of its first byte, so that 1 byte a second (slow loris)
 *  cannot hold a connection and a buffer that the idle timeout alone would keep alive. */
export const MESSAGE_TIMEOUT_MS = 30_000;

/** A response must be taken by the peer within this: a client that stops reading would otherwise
 *  pin the response (and the connection) in memory forever. */
export const WRITE_TIMEOUT_MS = 30_000;

/** Open sockets (handshaking ones included) above this are destroyed on accept: a flood of
 *  connections would otherwise exhaust file descriptors and memory. */
export const MAX_CONNECTIONS = 1024;

/** A request declared larger than this is refused on its 8-byte header, before any of it is
 *  buffered (krill-kmip-ttlv allocated from a 0xFFFFFFFF length). Below the codec's 16 MiB cap because
 *  the server may buffer one partial message per connection: 1024 x 16 MiB would be 16 GiB, 1 MiB
 *  bounds it at 1 GiB. Real requests are a few KB (kmip-go's default is 1 MB too); raise it in the
 *  configuration (up to the codec cap) for bulk Encrypt/Register. */
export const MAX_MESSAGE_SIZE = Math.min(1024 * 1024, TTLV_MAX_MESSAGE_SIZE);

/** Requests handled at once per connection. KMIP over TLS is request/response in order, so the next
 *  request waits and the socket is paused meanwhile: a pipelining client cannot queue unbounded work. */
export const MAX_CONCURRENT_REQUESTS_PER_CONNECTION = 1;

/** close() waits this long for in-flight requests before destroying sockets: a stuck handler must
 *  not keep a shutting-down process alive. */
export const CLOSE_GRACE_MS = 10_000;

/** The configurable limits, with their defaults above. */
export interface TransportLimits {
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  messageTimeoutMs: number;
  writeTimeoutMs: number;
  maxConnections: number;
  maxMessageSize: number;
  closeGraceMs: number;
}

export const DEFAULT_LIMITS: Readonly<TransportLimits> = Object.freeze({
  handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  messageTimeoutMs: MESSAGE_TIMEOUT_MS,
  writeTimeoutMs: WRITE_TIMEOUT_MS,
  maxConnections: MAX_CONNECTIONS,
  maxMessageSize: MAX_MESSAGE_SIZE,
  closeGraceMs: CLOSE_GRACE_MS,
});

/** Smallest maxMessageSize accepted: below a header plus a little, no KMIP request fits. */
export const MIN_MESSAGE_SIZE = 64;

/** Longest timer accepted by startTransport/createServer: Node's setTimeout fires after 1 ms for any
 *  delay past 2^31-1 ms (a "120-day" idle timeout would close every connection at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The range each limit must lie in; maxMessageSize above the codec's cap could never decode. */
export const LIMIT_RANGES: Readonly<Record<keyof TransportLimits, readonly [number, number]>> = Object.freeze({
  handshakeTimeoutMs: [1, MAX_TIMER_MS],
  idleTimeoutMs: [1, MAX_TIMER_MS],
  messageTimeoutMs: [1, MAX_TIMER_MS],
  writeTimeoutMs: [1, MAX_TIMER_MS],
  closeGraceMs: [1, MAX_TIMER_MS],
  maxConnections: [1, Number.MAX_SAFE_INTEGER],
  maxMessageSize: [MIN_MESSAGE_SIZE, TTLV_MAX_MESSAGE_SIZE],
});
