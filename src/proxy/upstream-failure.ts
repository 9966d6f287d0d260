/** How an upstream request failed, for the log and for what may be done next. */
export interface UpstreamFailure {
  /** For the log only: never sent to the client. */
  reason: string;
  code?: string;
  /** The connection was never made, so the request never reached the member: safe to send elsewhere. */
  beforeSend: boolean;
  /** The member itself is unreachable (refused, no route, no such host): take it out for a while. */
  unreachable: boolean;
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ConnectionRefused: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
};

const TLS_REASONS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'upstream certificate not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'upstream certificate not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'upstream certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'upstream certificate not trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'upstream certificate not trusted (self-signed)',
  CERT_UNTRUSTED: 'upstream certificate not trusted',
  CERT_SIGNATURE_FAILURE: 'upstream certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'upstream certificate name mismatch',
  HOSTNAME_MISMATCH: 'upstream certificate name mismatch',
  CERT_HAS_EXPIRED: 'upstream certificate expired',
  CERT_NOT_YET_VALID: 'upstream certificate not yet valid',
  CERT_REVOKED: 'upstream certificate revoked',
  EPROTO: 'TLS handshake with the upstream failed (it may require a client certificate, or not speak TLS)',
};

/** Classifies a `fetch` rejection (not a timeout: the caller knows those by its own abort). */
export function describeUpstreamFailure(error: unknown): UpstreamFailure {
  const code = (error as { code?: string }).code;
  if (code && code in UNREACHABLE) return { reason: UNREACHABLE[code]!, code, beforeSend: true, unreachable: true };
  if (code && code in TLS_REASONS) return { reason: TLS_REASONS[code]!, code, beforeSend: true, unreachable: false };
  return { reason: code === 'ECONNRESET' ? 'connection reset' : code ?? (error as Error).message ?? String(error), code, beforeSend: false, unreachable: false };
}
