// The seam between the transport (TLS, framing, timeouts) and the KMIP engine (messages, operations,
// storage). The transport hands over whole request messages; the engine answers each with one whole
// response message and never throws: anything that frames gets a well-formed KMIP response.

/** Who is on the other end of a connection, from its verified client certificate. */
export interface ClientIdentity {
  /** The principal that owns what this client creates: the certificate subject's CN, or
   *  `sha256:<hex fingerprint>` when the subject has no CN. */
  readonly principal: string;
  /** SHA-256 fingerprint of the client certificate, colon-separated hex as Node prints it. */
  readonly fingerprint256?: string;
  readonly remoteAddress?: string;
  /** Negotiated TLS version ('TLSv1.2', 'TLSv1.3'). */
  readonly tlsVersion?: string;
}

export interface MessageHandler {
  /** One framed request message (its 8-byte header checked against the size limit) in, one response
   *  message out. Resolves with an error response rather than rejecting. */
  handle(request: Uint8Array, client: ClientIdentity): Promise<Uint8Array>;
  /** Stops timers and releases what the handler holds (not the store it was given). */
  close?(): Promise<void>;
}
