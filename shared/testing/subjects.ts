import type { RelayRequest } from '../relay';

/** A Postfix policy request as the gateway hands it to the pipeline (RCPT from 192.0.2.10); override what the test is about. */
export function relayRequest(o: Partial<RelayRequest> & { at: number }): RelayRequest {
  return {
    request: 'smtpd_access_policy',
    protocolState: 'RCPT',
    protocolName: 'ESMTP',
    clientAddress: '192.0.2.10',
    clientName: 'unknown',
    sender: '',
    recipient: 'someone@remote.test',
    recipientCount: 0,
    size: 0,
    instance: 'a1.b2.c3',
    domain: 'example.com',
    attributes: {},
    ...o,
  };
}
