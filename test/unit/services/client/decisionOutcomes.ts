/**
 * Narrow a client decision in a test without a conditional `expect`: the wrong outcome fails
 * the test, naming what happened instead.
 */
import type { ClientDecision } from '../../../../functions/src/services/client/clientDecision.js';

/** The admission; a refusal fails the test, naming its code. */
export function admitted(decision: ClientDecision): Extract<ClientDecision, { outcome: 'admit' }> {
  if (decision.outcome === 'refuse') throw new Error(`expected an admission, refused with ${decision.error.code}: ${decision.error.message}`);
  return decision;
}

/** The refusal; an admission fails the test. */
export function refused(decision: ClientDecision): Extract<ClientDecision, { outcome: 'refuse' }> {
  if (decision.outcome === 'admit') throw new Error('expected a refusal, the call was admitted');
  return decision;
}
