import { inject, injectable } from 'inversify';
import { type AdminRoute, type AdminRouteContribution, Clock, StateStore } from '../../shared';
import { statusReport } from './status';

/**
 * `GET /api/plugins/reputation-watch/status`: what `mailwarden reputation
 * status --json` prints, for scripts and for a console view once the console
 * has a contribution point.
 */
@injectable()
export class ReputationAdminRoutes implements AdminRouteContribution {
  constructor(
    @inject(StateStore) private readonly store: StateStore,
    @inject(Clock) private readonly clock: Clock,
  ) {}

  readonly routes: readonly AdminRoute[] = [
    {
      method: 'GET',
      path: '/status',
      summary: 'Listings and remote refusals of the outbound addresses, with evidence and removal links; the last DNSBL answers',
      handle: async () => statusReport(this.store, this.clock.now()),
    },
  ];
}
