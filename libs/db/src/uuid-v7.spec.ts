import { uuidV7 } from './uuid-v7';

describe('uuidV7', () => {
  it('is a version 7 UUID carrying the current millisecond, and ids made later sort later', async () => {
    const before = Date.now();
    const a = uuidV7();
    const after = Date.now();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = Number.parseInt(a.slice(0, 8) + a.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
    await new Promise((r) => setTimeout(r, 2));
    const b = uuidV7();
    expect(b > a).toBe(true);
  });

  it('does not repeat within a millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidV7()));
    expect(ids.size).toBe(10_000);
  });
});
