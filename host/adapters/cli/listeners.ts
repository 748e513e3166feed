import { listenerLimits } from '../../core/config/listener-limits';
import { AdminServer } from '../http/admin-server';
import { DovecotGateway } from '../gateways/dovecot/dovecot-gateway';
import type { GatewayDefinition } from '../../core/gateway';
import { PostfixPolicyGateway } from '../gateways/postfix/policy-gateway';

/** Every listener `serve` can start, in start order (stopped in reverse). */
export const GATEWAYS: readonly GatewayDefinition[] = [
  { listener: 'admin', create: (app, address) => new AdminServer(app, address) },
  { listener: 'dovecot', create: (app, address) => new DovecotGateway(app, address) },
  { listener: 'postfix', create: (app, address) => new PostfixPolicyGateway(app, address, listenerLimits(app.config).postfix) },
];
