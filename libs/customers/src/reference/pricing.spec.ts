import { minorUnits } from './pricing';

describe('minorUnits', () => {
  it("reads a plain amount in the currency's minor units", () => {
    expect([
      minorUnits('2.50', 'EUR'),
      minorUnits(' 2 ', 'GBP'),
      minorUnits('2.5', 'USD'),
      minorUnits('0.07', 'EUR'),
    ]).toEqual([250, 200, 250, 7]);
    expect([minorUnits('250', 'JPY'), minorUnits('1.234', 'BHD')]).toEqual([250, 1234]);
  });

  it('leaves what is not a plain amount in that currency alone', () => {
    for (const [text, currency] of [
      ['2,50', 'EUR'],
      ['€2.50', 'EUR'],
      ['2.505', 'EUR'],
      ['2.5', 'JPY'],
      ['-1.00', 'EUR'],
      ['', 'EUR'],
      ['1e3', 'EUR'],
      // More digits than minor units can hold exactly.
      ['1234567890123', 'EUR'],
    ]) {
      expect({ text, currency, minor: minorUnits(text!, currency!) }).toEqual({ text, currency, minor: null });
    }
  });
});
