import { jobKinds } from '@customer-hub/contracts';
import { defineProcessor } from './job-context';
import { assertProcessorsComplete } from './worker';

const noop = defineProcessor('diagnostic', async () => ({}));
const others = jobKinds.filter((k) => k !== 'diagnostic').map((k) => defineProcessor(k, async () => ({})));

describe('assertProcessorsComplete', () => {
  it('accepts exactly one processor per job kind', () => {
    expect(() => assertProcessorsComplete([noop, ...others])).not.toThrow();
  });

  it('refuses a job kind with no processor', () => {
    expect(() => assertProcessorsComplete(others)).toThrow('job kind "diagnostic" has no processor');
  });

  it('refuses a job kind with two processors', () => {
    expect(() => assertProcessorsComplete([noop, noop, ...others])).toThrow('job kind "diagnostic" has 2 processors');
  });

  it('refuses a processor for a kind the registry does not know', () => {
    const stray = { kind: 'nonsense', process: async () => ({}) } as never;
    expect(() => assertProcessorsComplete([noop, ...others, stray])).toThrow(
      'processor for unknown job kind "nonsense"',
    );
  });
});
