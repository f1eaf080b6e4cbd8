import { updateCatalogue } from '@customer-hub/customers';
import { createTestAccount } from '@customer-hub/testing';
import { callsAs, createHarness, type Harness } from './support/harness';

/** Catalogues and price lists: their management, and reading them in pages. Each test has its own account. */

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.cleanup());

const as = (token: string) => callsAs(h, token);

describe('catalogues and price lists', () => {
  it("reads a catalogue's products and a price list's items in pages, none left out", async () => {
    const own = await createTestAccount(h.ds);
    const admin = as(own.tokens.admin);
    const codes = ['P5', 'P1', 'P4', 'P2', 'P3'];
    await admin.post('/v1/catalogues', { code: 'BIG', name: 'Big' }).expect(201);
    await admin.post('/v1/catalogues/BIG/products', { add: codes }).expect(200);
    await admin.post('/v1/price-lists', { code: 'LIST', name: 'List', currency: 'GBP' }).expect(201);
    const items = codes.map((product, i) => ({ product, priceMinor: 100 + i }));
    await admin.put('/v1/price-lists/LIST/items', { items }).expect(200);
    const pages = async (url: string, pick: (body: { items: { product: string }[] }) => string[]) => {
      const seen: string[][] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const res = await admin.get(`${url}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(pick(res.body));
        cursor = res.body.nextCursor;
      }
      return seen;
    };
    const products = (b: { items: { product: string }[] }) => b.items.map((i) => i.product);
    const expected = [['P1', 'P2'], ['P3', 'P4'], ['P5']];
    expect(await pages('/v1/catalogues/BIG/products', products)).toEqual(expected);
    expect(await pages('/v1/price-lists/LIST', products)).toEqual(expected);
    expect((await admin.get('/v1/catalogues/NOPE/products')).status).toBe(404);
    expect((await admin.get('/v1/catalogues/BIG/products?limit=10001')).status).toBe(400);
  });

  it('renames catalogues, moves the main one, and deletes one no customer is assigned to', async () => {
    const own = await createTestAccount(h.ds);
    const admin = as(own.tokens.admin);
    await admin.post('/v1/catalogues', { code: 'A', name: 'Alpha', main: true }).expect(201);
    await admin.post('/v1/catalogues', { code: 'B', name: 'Beta' }).expect(201);
    await admin.post('/v1/catalogues/B/products', { add: ['P1'] }).expect(200);
    const addAndRemove = await admin.post('/v1/catalogues/B/products', {
      add: ['P2', 'P3'],
      remove: ['P3', 'P2', 'P3'],
    });
    expect([addAndRemove.status, addAndRemove.body.error.details]).toEqual([
      400,
      [{ field: 'body', message: 'products both added and removed: P2, P3; give each once' }],
    ]);
    await admin.post('/v1/customers', { number: 'X', name: 'Main Range' }).expect(201);
    await admin.post('/v1/customers', { number: 'Y', name: 'Beta Range', catalogue: 'B' }).expect(201);
    const effective = async () => (await admin.get('/v1/customers/X')).body.effectiveCatalogue;
    const listed = async () =>
      (await admin.get('/v1/catalogues')).body.items.map((k: { code: string; name: string; main: boolean }) => [
        k.code,
        k.name,
        k.main,
      ]);
    expect(await effective()).toBe('A');

    const moved = await admin.patch('/v1/catalogues/B', { name: 'Bee', main: true });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ code: 'B', name: 'Bee', main: true, products: 1, customers: 1 });
    expect(await listed()).toEqual([
      ['B', 'Bee', true],
      ['A', 'Alpha', false],
    ]);
    expect(await effective()).toBe('B');

    const inUse = await admin.delete('/v1/catalogues/B');
    expect({ status: inUse.status, code: inUse.body.error.code }).toEqual({ status: 409, code: 'in_use' });
    expect((await admin.delete('/v1/catalogues/A')).status).toBe(204);
    expect((await admin.patch('/v1/catalogues/A', { name: 'Gone' })).status).toBe(404);
    expect((await admin.delete('/v1/catalogues/A')).status).toBe(404);

    // Two made main at once: one of them ends main, never both.
    await admin.post('/v1/catalogues', { code: 'C', name: 'Gamma' }).expect(201);
    const both = await Promise.all([
      admin.patch('/v1/catalogues/C', { main: true }),
      admin.patch('/v1/catalogues/B', { main: true }),
    ]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect((await listed()).filter(([, , main]: [string, string, boolean]) => main)).toHaveLength(1);

    for (const code of ['B', 'C']) await admin.patch(`/v1/catalogues/${code}`, { main: false }).expect(200);
    expect(await effective()).toBeNull();
    expect((await as(own.tokens.ops).patch('/v1/catalogues/B', { name: 'x' })).status).toBe(403);
  });

  it('a group or catalogue given to a customer while it is being deleted stays, with a 409 that says so', async () => {
    const own = await createTestAccount(h.ds);
    const admin = as(own.tokens.admin);
    await admin.post('/v1/customer-groups', { code: 'RACE', name: 'Race' }).expect(201);
    await admin.post('/v1/catalogues', { code: 'RACE', name: 'Race' }).expect(201);
    for (const [url, column, table, message] of [
      ['/v1/customer-groups/RACE', 'group_id', 'customer_groups', 'A customer was just put in the group RACE'],
      ['/v1/catalogues/RACE', 'catalogue_id', 'catalogues', 'A customer was just assigned the catalogue RACE'],
    ] as const) {
      // A customer given it in a transaction still open when the delete looks: the delete finds none, then
      // waits on that transaction's hold of the row, and the foreign key refuses it once it commits.
      const other = h.ds.createQueryRunner();
      await other.startTransaction();
      await other.query(
        `INSERT INTO customers (account_id, customer_number, name, ${column})
         SELECT $1, $2, 'Racer', id FROM ${table} WHERE account_id = $1 AND code = 'RACE'`,
        [own.account.id, `R-${column}`],
      );
      const deleting = admin.delete(url).then((res) => res);
      await waitUntilBlocked(h);
      await other.commitTransaction();
      await other.release();
      const res = await deleting;
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 409, code: 'in_use' });
      expect(res.body.error.message).toContain(message);
    }
    expect((await admin.get('/v1/customers/R-group_id')).body.group).toBe('RACE');
    expect((await admin.get('/v1/customers/R-catalogue_id')).body.catalogue).toBe('RACE');
  });
  it('a customer given a group or catalogue while it is being deleted gets a 422 unknown_code, not a 500', async () => {
    const own = await createTestAccount(h.ds);
    const admin = as(own.tokens.admin);
    await admin.post('/v1/customer-groups', { code: 'GOING', name: 'Going' }).expect(201);
    await admin.post('/v1/catalogues', { code: 'GOING', name: 'Going' }).expect(201);
    await admin.post('/v1/customers', { number: 'P-1', name: 'Patched' }).expect(201);
    for (const [table, body] of [
      ['customer_groups', { group: 'GOING' }],
      ['catalogues', { catalogue: 'GOING' }],
    ] as const) {
      // Deleted in a transaction still open when the write looks the code up: the write waits, then finds none.
      const other = h.ds.createQueryRunner();
      await other.startTransaction();
      await other.query(`DELETE FROM ${table} WHERE account_id = $1 AND code = 'GOING'`, [own.account.id]);
      const writing = admin.patch('/v1/customers/P-1', body).then((res) => res);
      await waitUntilBlocked(h);
      await other.commitTransaction();
      await other.release();
      const res = await writing;
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 422, code: 'unknown_code' });
    }
  });
  it('renaming a catalogue or making it main does not hold up customer writes that assign it', async () => {
    const own = await createTestAccount(h.ds);
    const admin = as(own.tokens.admin);
    await admin.post('/v1/catalogues', { code: 'BUSY', name: 'Busy' }).expect(201);
    await h.ds.transaction(async (m) => {
      await updateCatalogue(m, own.account.id, 'BUSY', { name: 'Busier', main: true });
      // What a customer write or an import chunk takes on a catalogue it assigns: granted at once.
      await h.ds.transaction(async (other) => {
        await other.query(`SET LOCAL lock_timeout = '200ms'`);
        const held = await other.query(
          `SELECT code FROM catalogues WHERE account_id = $1 AND code = 'BUSY' FOR KEY SHARE`,
          [own.account.id],
        );
        expect(held).toEqual([{ code: 'BUSY' }]);
      });
    });
    expect((await admin.get('/v1/catalogues')).body.items).toMatchObject([
      { code: 'BUSY', name: 'Busier', main: true },
    ]);
  });
});

/** Waits until some statement on the harness's database waits for a lock. */
async function waitUntilBlocked(h: Harness): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [row] = await h.ds.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (row.n > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no statement waited for a lock');
}
