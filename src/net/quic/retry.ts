// The Retry packet's integrity tag (RFC 9001 §5.8): AES-128-GCM with constant v1 key and nonce over
// the Original Destination Connection ID and the Retry packet. It proves the Retry was made by
// something that saw our Initial, not that it came from the server.
import { createCipheriv } from 'node:crypto';
import { vector } from './bytes.js';

const RETRY_KEY_V1 = Buffer.from('be0c690b9f66575a1d766b54e368c84e', 'hex');
const RETRY_NONCE_V1 = Buffer.from('461599d35d632bf2239825bb', 'hex');

/** The tag for a Retry packet (`retry` without its last 16 bytes) answering an Initial sent to odcid. */
export function retryIntegrityTag(odcid: Buffer, retryWithoutTag: Buffer): Buffer {
  const cipher = createCipheriv('aes-128-gcm', RETRY_KEY_V1, RETRY_NONCE_V1); // a 16-byte tag, GCM's default
  cipher.setAAD(Buffer.concat([vector(1, odcid), retryWithoutTag]));
  cipher.final();
  return cipher.getAuthTag();
}

/** Whether a whole Retry packet carries the right tag for our Initial's odcid. */
export function retryIsAuthentic(odcid: Buffer, retry: Buffer): boolean {
  // A packet shorter than the tag leaves fewer than 16 bytes to compare: it fails below.
  return retryIntegrityTag(odcid, retry.subarray(0, retry.length - 16)).equals(
    retry.subarray(retry.length - 16),
  );
}
