import request from 'supertest';
import { importCustomers, storedCustomer } from './support/customers';
import { bearer, harnessWithAccount } from './support/harness';

/** Contacts and further addresses: stored lists a file fills by position, one column group per slot. */

const t = harnessWithAccount();
const importFile = (body: string, query = '') => importCustomers(t.h, t.acme.tokens.admin, body, query);
const customer = (number: string) => storedCustomer(t.h, t.acme.account.id, number);

describe('customer import slots', () => {
  it('keeps contacts in their slots, so a file that skips contact 1 re-imports unchanged', async () => {
    const file = 'customer_number,name,contact1_name,contact2_name,contact2_email\nG1,Gus,,Zoe,zoe@example.com\n';
    for (const blank of ['ignore', 'clear']) {
      const first = await importFile(file, `?blank=${blank}`);
      expect(first.job.counts).toMatchObject({ rejected: 0 });
      expect((await customer('G1')).contacts).toEqual([null, { name: 'Zoe', email: 'zoe@example.com' }]);
      const again = await importFile(file, `?blank=${blank}`);
      expect(again.job.counts).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    }
    // The API lists the contacts there are; filling contact 1 later takes the empty slot.
    const shown = await request(t.h.app).get('/v1/customers/G1').set(bearer(t.acme.tokens.staff));
    expect(shown.body.contacts).toEqual([{ name: 'Zoe', email: 'zoe@example.com' }]);
    await importFile('customer_number,contact1_name\nG1,Yan\n');
    expect((await customer('G1')).contacts).toEqual([{ name: 'Yan' }, { name: 'Zoe', email: 'zoe@example.com' }]);
  });

  it('fills further addresses by slot, and keeps those past the three a file carries', async () => {
    const made = await request(t.h.app)
      .post('/v1/customers')
      .set(bearer(t.acme.tokens.staff))
      .send({
        number: 'O1',
        name: 'Many Sites',
        addresses: {
          other: [
            { label: 'Old depot', line1: '1 A St', city: 'Leeds' },
            { label: 'Yard' },
            { label: 'Shop' },
            { label: 'Fourth' },
          ],
        },
      });
    expect(made.status).toBe(201);
    const file = [
      'customer_number,name,other_address1_label,other_address1_city,other_address2_label,other_address2_city',
      'O1,Many Sites,North depot,Hull,,',
      'O2,New Sites,,,Dock,York',
    ].join('\n');
    const first = await importFile(file);
    expect(first.job.counts).toMatchObject({ created: 1, updated: 1, rejected: 0 });
    expect((await customer('O1')).other_addresses).toEqual([
      { label: 'North depot', line1: '1 A St', city: 'Hull' },
      { label: 'Yard' },
      { label: 'Shop' },
      { label: 'Fourth' },
    ]);
    // A slot the file leaves empty before a filled one is kept as such, so the same file finds it again.
    expect((await customer('O2')).other_addresses).toEqual([null, { label: 'Dock', city: 'York' }]);
    expect((await importFile(file)).job.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    // blank=clear clears the parts the file has columns for, and only those.
    const cleared = await importFile(
      'customer_number,other_address1_label,other_address1_city\nO1,,\n',
      '?blank=clear',
    );
    expect(cleared.job.counts).toMatchObject({ updated: 1 });
    const shown = await request(t.h.app).get('/v1/customers/O1').set(bearer(t.acme.tokens.staff));
    expect(shown.body.addresses.other).toEqual([
      { line1: '1 A St' },
      { label: 'Yard' },
      { label: 'Shop' },
      { label: 'Fourth' },
    ]);
    const long = await importFile(
      `customer_number,other_address3_label,other_address4_city\nO1,${'x'.repeat(101)},Leeds\n`,
    );
    expect(long.job.state).toBe('failed');
    expect(long.errors).toContain(
      '1,3 (other_address4_city),other_address4_city,warning: column ignored: a file carries 3 further addresses',
    );
    expect(long.errors).toContain('2,2 (other_address3_label),');
    expect(long.errors).toContain('other_address3_label is longer than 100 characters');
  });
});
