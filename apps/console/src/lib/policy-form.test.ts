import { describe, expect, it } from 'vitest';
import { describePolicy, parsePolicy } from './policy-form';

describe('parsePolicy', () => {
  it('builds each kind with its numeric parameters, leaving blank optional ones out', () => {
    expect(parsePolicy('thompson', {})).toEqual({ policy: { kind: 'thompson' } });
    expect(parsePolicy('thompson', { propensityDraws: '300' })).toEqual({ policy: { kind: 'thompson', propensityDraws: 300 } });
    expect(parsePolicy('ucb1', { explorationConstant: ' 0.5 ' })).toEqual({ policy: { kind: 'ucb1', explorationConstant: 0.5 } });
    expect(parsePolicy('egreedy', { epsilon: '0.1', decayConstant: '' })).toEqual({ policy: { kind: 'egreedy', epsilon: 0.1 } });
  });

  it('names the field of every invalid value', () => {
    expect(parsePolicy('egreedy', {}).error).toBe('Epsilon is required');
    expect(parsePolicy('egreedy', { epsilon: '1.5' }).error).toBe('Epsilon must be at most 1');
    expect(parsePolicy('egreedy', { epsilon: '-0.1' }).error).toBe('Epsilon must be at least 0');
    expect(parsePolicy('egreedy', { epsilon: '0.1', decayConstant: '0' }).error).toBe('Decay constant must be greater than 0');
    expect(parsePolicy('thompson', { propensityDraws: '2.5' }).error).toBe('Propensity draws must be a whole number');
    expect(parsePolicy('ucb1', { explorationConstant: 'abc' }).error).toBe('Exploration constant must be a number');
    expect(parsePolicy('lin-ucb', {}).error).toBe('unknown policy "lin-ucb"');
  });

  it('describes a policy in words', () => {
    expect(describePolicy({ kind: 'egreedy', epsilon: 0.2 })).toBe('ε-greedy (epsilon 0.2)');
    expect(describePolicy({ kind: 'thompson' })).toBe('Thompson sampling');
  });
});
