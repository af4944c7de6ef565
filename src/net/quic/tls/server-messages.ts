// The server's encrypted handshake messages: EncryptedExtensions (RFC 8446 §4.3.1, RFC 9001 §8.2),
// Certificate (§4.4.2) and CertificateVerify (§4.4.3).
import { Malformed, Reader } from '../bytes.js';
import { EXTENSION, parseAlpn, parseExtensions } from './messages.js';

export interface EncryptedExtensions {
  alpn?: string;
  transportParameters: Buffer;
}

export function parseEncryptedExtensions(body: Buffer): EncryptedExtensions {
  const r = new Reader(body);
  const extensions = parseExtensions(r, 'EncryptedExtensions');
  r.done('EncryptedExtensions');
  const transportParameters = extensions.get(EXTENSION.quicTransportParameters);
  // Without them this is no QUIC server (RFC 9001 §8.2: missing_extension).
  if (!transportParameters) throw new Malformed('EncryptedExtensions without quic_transport_parameters');
  const alpnData = extensions.get(EXTENSION.alpn);
  return alpnData ? { alpn: parseAlpn(alpnData), transportParameters } : { transportParameters };
}

/** At most this many certificates are read from a chain; real ones have two to four. */
const MAX_CHAIN = 10;

/** The DER certificates of a Certificate message, leaf first. */
export function parseCertificate(body: Buffer): Buffer[] {
  const r = new Reader(body);
  if (r.vector(1, 'certificate_request_context').length !== 0)
    throw new Malformed('server Certificate with a request context');
  const list = r.sub(r.u24('certificate_list length'), 'certificate_list');
  r.done('Certificate');
  const chain: Buffer[] = [];
  while (list.left > 0) {
    if (chain.length === MAX_CHAIN) throw new Malformed(`certificate chain longer than ${MAX_CHAIN}`);
    chain.push(list.vector(3, 'certificate'));
    list.vector(2, 'certificate extensions');
  }
  if (chain.length === 0) throw new Malformed('server Certificate without a certificate');
  return chain;
}

export function parseCertificateVerify(body: Buffer): { scheme: number; signature: Buffer } {
  const r = new Reader(body);
  const scheme = r.u16('signature scheme');
  const signature = r.vector(2, 'signature');
  r.done('CertificateVerify');
  return { scheme, signature };
}
