/** The keep policy's options: a policy names its kind, and an unknown field is refused by name. */
import { describe, expect, it } from 'vitest';
import { filterPolicySchema } from '../../config/filter-policy.js';

describe('filterPolicySchema', () => {
  it("fills each kind's defaults", () => {
    expect(filterPolicySchema.parse({ kind: 'threshold' })).toEqual({ kind: 'threshold', min_weight: 0.5 });
    expect(filterPolicySchema.parse({ kind: 'top-fraction' })).toEqual({ kind: 'top-fraction', fraction: 0.7 });
    expect(filterPolicySchema.parse({ kind: 'estimated-noise' })).toEqual({ kind: 'estimated-noise', max_drop: 0.9 });
    expect(filterPolicySchema.parse({ kind: 'keep-all' })).toEqual({ kind: 'keep-all' });
  });

  it('rejects an unknown field, naming it', () => {
    const r = filterPolicySchema.safeParse({ kind: 'threshold', min_wieght: 0.3 });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('min_wieght');
  });

  it('rejects an unknown kind and a value out of range', () => {
    expect(filterPolicySchema.safeParse({ kind: 'drop-all' }).success).toBe(false);
    expect(filterPolicySchema.safeParse({ kind: 'top-fraction', fraction: 0 }).success).toBe(false);
    expect(filterPolicySchema.safeParse({ kind: 'threshold', min_weight: 1.5 }).success).toBe(false);
  });
});
