import net from 'node:net';
import tls from 'node:tls';
import { DeadlineError, failureOf, type Failure } from '../model/failure.js';
import type { CertificateSummary } from '../model/observation.js';

export interface HandshakeOptions {
  /** The name the certificate must be valid for; also sent as SNI unless it is an IP literal. */
  host: string;
  /** Extra trusted CAs (PEM), added to the system ones. */
  ca?: string[];
  timeoutMs: number;
}

export interface HandshakeResult {
  /** The secured socket, ready for HTTP; absent when the handshake or the certificate failed. */
  socket?: tls.TLSSocket;
  failure?: Failure;
  version?: string;
  cipher?: string;
  alpn?: string;
  certificate?: CertificateSummary;
}

function summarize(cert: tls.PeerCertificate): CertificateSummary | undefined {
  if (!cert || Object.keys(cert).length === 0) return undefined;
  const name = (x: Record<string, unknown> | undefined) =>
    x ? Object.entries(x).map(([k, v]) => `${k}=${String(v)}`).join(', ') : '';
  return {
    subject: name(cert.subject as unknown as Record<string, unknown>),
    issuer: name(cert.issuer as unknown as Record<string, unknown>),
    valid_from: cert.valid_from,
    valid_to: cert.valid_to,
    subject_alt_names: cert.subjectaltname ?? '',
    fingerprint256: cert.fingerprint256,
  };
}

/**
 * Why the certificate cannot be trusted for `host`, if it cannot. The handshake runs with
 * rejectUnauthorized off so that an untrusted certificate (a censor's MITM, a captive portal) is
 * still described in the evidence; the checks below are the ones Node would have made.
 */
function certificateProblem(socket: tls.TLSSocket, host: string, cert: tls.PeerCertificate): Failure | undefined {
  if (!socket.authorized) {
    const reason = socket.authorizationError as unknown;
    const err = reason instanceof Error ? reason : Object.assign(new Error(String(reason)), { code: String(reason) });
    return failureOf(err, 'tls_handshake');
  }
  const mismatch = tls.checkServerIdentity(host, cert);
  return mismatch ? failureOf(mismatch, 'tls_handshake') : undefined;
}

/** Runs a TLS handshake over an open TCP socket, with a deadline, and checks the certificate. */
export function handshake(tcp: net.Socket, opts: HandshakeOptions): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const secure = tls.connect({
      socket: tcp,
      servername: tlsServername(opts.host),
      ca: opts.ca && opts.ca.length > 0 ? [...tls.rootCertificates, ...opts.ca] : undefined,
      ALPNProtocols: ['http/1.1'],
      rejectUnauthorized: false,
    });
    const finish = (result: HandshakeResult) => {
      clearTimeout(timer);
      secure.removeListener('error', onError);
      if (!result.socket) secure.destroy();
      resolve(result);
    };
    const onError = (err: Error) => finish({ failure: failureOf(err, 'tls_handshake') });
    const timer = setTimeout(
      () => finish({ failure: failureOf(new DeadlineError('TLS handshake', opts.timeoutMs), 'tls_handshake') }),
      opts.timeoutMs,
    );
    secure.once('error', onError);
    secure.once('secureConnect', () => {
      const cert = secure.getPeerCertificate();
      const info = {
        version: secure.getProtocol() ?? undefined,
        cipher: secure.getCipher()?.name,
        alpn: secure.alpnProtocol || undefined,
        certificate: summarize(cert),
      };
      const problem = certificateProblem(secure, opts.host, cert);
      secure.on('error', () => {}); // later errors belong to whoever uses the socket
      finish(problem ? { ...info, failure: problem } : { ...info, socket: secure });
    });
  });
}

/** SNI must be a DNS name: an IP literal is never sent (RFC 6066). */
function tlsServername(host: string): string | undefined {
  return net.isIP(host) === 0 ? host : undefined;
}
