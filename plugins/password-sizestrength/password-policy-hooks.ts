import { inject, injectable } from 'inversify';
import { Clock, type ConfigProblem, type HookContext, type PasswordChange, type PluginHooks, StateStore, type Violation } from '../../shared';
import { PasswordHistory } from './history';
import { MESSAGES } from './messages';
import { checkPolicy } from './policy';
import { type PolicyConfigInput, policyConfigProblems, resolvePolicy } from './policy-config';

@injectable()
export class PasswordPolicyHooks implements PluginHooks<PolicyConfigInput> {
  private readonly history: PasswordHistory;

  constructor(@inject(Clock) private readonly clock: Clock, @inject(StateStore) store: StateStore) {
    this.history = new PasswordHistory(store);
  }

  validateConfig(config: Readonly<PolicyConfigInput>): readonly ConfigProblem[] {
    return policyConfigProblems(config);
  }

  async validatePassword(change: PasswordChange, ctx: HookContext<PolicyConfigInput>): Promise<readonly Violation[]> {
    const violations = checkPolicy(change, resolvePolicy(ctx.config));
    // A refused length or an empty password says all there is to say: no hashing.
    if (violations.some((v) => v.rule === 'empty' || v.rule === 'maxLength')) return violations;
    const size = ctx.config.historySize;
    if (await this.history.wasUsed(change.login, change.newPassword, size, this.clock.now())) {
      violations.push({ rule: 'history', params: { size }, message: MESSAGES.history({ size }) });
    }
    return violations;
  }

  async passwordChanged(change: PasswordChange, ctx: HookContext<PolicyConfigInput>): Promise<void> {
    await this.history.record(change.login, change.newPassword, ctx.config.historySize + 1, this.clock.now());
  }
}
