import { importCustomers, storedCustomer } from './support/customers';
import { harnessWithAccount } from './support/harness';

/** The error report of a customer import: what it names, and how it counts the rows it rejects. */

const t = harnessWithAccount();
const importFile = (body: string, query = '') => importCustomers(t.h, t.acme.tokens.admin, body, query);
const customer = (number: string) => storedCustomer(t.h, t.acme.account.id, number);

describe('customer import report', () => {
  it('reports every bad row with line, column, value and reason, and changes nothing over maxErrors', async () => {
    const file = [
      'customer_number,name,email,customer_group,catalogue,cutoff_time,portal_access,delivery_days,colour',
      'E1,Echo,not-an-email,,,,,,red',
      'E2,Foxtrot,,NOPE,,,,,',
      'E3,Golf,,,CAT-X,,,,',
      'E4,Hotel,,,,25:00,,,',
      'E5,India,,,,,maybe,,',
      'E6,Juliet,,,,,,funday,',
      'E7,Kilo,,,,,,,',
      'E7,Kilo again,,,,,,,',
      `E8,${'x'.repeat(201)},,,,,,,`,
      'E9,,,,,,,,',
      ',Nobody,,,,,,,',
    ].join('\n');
    const failed = await importFile(file);
    expect(failed.job.state).toBe('failed');
    expect(failed.job.error.message).toContain('10 row(s) were rejected, more than maxErrors=0; nothing was changed');
    expect(await customer('E7')).toBeUndefined();
    // It read all 11 rows before it failed, and says so.
    expect(failed.job.progress).toMatchObject({ processed: 11, total: 11 });
    expect(failed.job.request).toMatchObject({ mode: 'upsert', blank: 'ignore', maxErrors: 0, validateOnly: false });
    expect(failed.job.request).not.toHaveProperty('inputFile');
    const lines = failed.errors.trim().split('\n');
    expect(lines[0]).toBe('line,column,value,message');
    expect(lines).toEqual(
      expect.arrayContaining([
        '1,9 (colour),colour,"warning: unknown column, ignored"',
        '2,3 (email),not-an-email,email is not an email address',
        '3,4 (customer_group),NOPE,no customer group has the code NOPE',
        '4,5 (catalogue),CAT-X,no catalogue has the code CAT-X',
        '5,6 (cutoff_time),25:00,cutoff_time is not a time of day (HH:MM)',
        '6,7 (portal_access),maybe,portal_access is not true or false',
        '7,8 (delivery_days),funday,"delivery_days ""funday"" is not a day (mon, tue, wed, thu, fri, sat, sun)"',
        '9,1 (customer_number),E7,customer number E7 already appears on line 8; give each customer once',
        `10,2 (name),${'x'.repeat(200)}…,name is longer than 200 characters`,
        '11,2 (name),,name is required for a new customer',
        '12,1 (customer_number),,customer number is empty',
      ]),
    );
    const allowed = await importFile(file, '?maxErrors=10');
    expect(allowed.job.state).toBe('succeeded');
    expect(allowed.job.counts).toMatchObject({ created: 1, rejected: 10, warnings: 1 });
    expect((await customer('E7')).name).toBe('Kilo');
  });

  it('a quote never closed costs its own row: named with line, column and cell, and the rows after it import', async () => {
    const file = [
      'customer_number,name,email',
      'Q1,Quebec,q1@example.com',
      'Q2,"Romeo,q2@example.com',
      'Q3,Sierra,q3@example.com',
      'Q4,Tango,q4@example.com',
    ].join('\n');
    const failed = await importFile(file);
    expect(failed.job.state).toBe('failed');
    expect(failed.errors).toBe(
      'line,column,value,message\n3,2 (name),"""Romeo,q2@example.com",broken quoting: a quoted field is never closed\n',
    );
    const { job } = await importFile(file, '?maxErrors=1');
    expect(job.counts).toMatchObject({ created: 3, rejected: 1 });
    expect((await customer('Q4')).name).toBe('Tango');
    expect(await customer('Q2')).toBeUndefined();
  });

  it('warns of a column without a header (as a spreadsheet saves a blank one) by its number alone', async () => {
    const imported = await importFile('customer_number,name,,\nW1,Whiskey,,\nW2,X-ray\n');
    expect(imported.job.state).toBe('succeeded');
    expect(imported.job.counts).toMatchObject({ created: 2, rejected: 0, warnings: 2 });
    expect(imported.errors.trim().split('\n')).toEqual([
      'line,column,value,message',
      '1,3,,"warning: column without a header, ignored"',
      '1,4,,"warning: column without a header, ignored"',
    ]);
    expect((await customer('W2')).name).toBe('X-ray');
  });

  it('names every problem of a row, and counts the row once', async () => {
    const file = [
      'customer_number,name,customer_group,catalogue,cutoff_time,portal_access',
      'M1,Two Codes,NOPE,CAT-X,,',
      'M2,Two Cells,,,25:00,maybe',
      'M3,Fine,,,,',
      'M4,Acme, Ltd,,,,,extra',
    ].join('\n');
    const { job, errors } = await importFile(file, '?maxErrors=10');
    expect(job.counts).toMatchObject({ created: 1, rejected: 3 });
    expect(errors.trim().split('\n').slice(1).sort()).toEqual(
      [
        '2,3 (customer_group),NOPE,no customer group has the code NOPE',
        '2,4 (catalogue),CAT-X,no catalogue has the code CAT-X',
        '3,5 (cutoff_time),25:00,cutoff_time is not a time of day (HH:MM)',
        '3,6 (portal_access),maybe,portal_access is not true or false',
        '5,8 (no header),extra,the row has 8 cells and the header 6: this one has no column (a separator inside an unquoted value?)',
      ].sort(),
    );
    expect([await customer('M3'), await customer('M4')]).toEqual([
      expect.objectContaining({ name: 'Fine' }),
      undefined,
    ]);
  });

  it('finds a number given twice when its first row is bad too, read in one pass or in two', async () => {
    const file = 'customer_number,name,email\nT1,First,not-an-email\nT1,Second,t1@example.com\nT2,Other,\n';
    const expected = [
      'line,column,value,message',
      '2,3 (email),not-an-email,email is not an email address',
      '3,1 (customer_number),T1,customer number T1 already appears on line 2; give each customer once',
    ];
    // The first import of this header reads in one pass; T2's record makes the next one read in two.
    for (const pass of [1, 2]) {
      const { job, errors } = await importFile(file, '?maxErrors=5');
      expect({ pass, counts: job.counts }).toMatchObject({ pass, counts: { rejected: 2 } });
      expect(errors.trim().split('\n')).toEqual(expected);
    }
    expect(await customer('T1')).toBeUndefined();
  });

  it('reports every problem when there are more than a page of them, split anywhere', async () => {
    // Line 2 has one problem, every later line two: the report's pages of 10,000 end inside line 5002.
    const rows = ['customer_number,name,customer_group,catalogue', 'P0,One,NOPE,'];
    for (let i = 1; i <= 5000; i++) rows.push(`P${i},Two,NOPE,CAT-X`);
    const { job, errors } = await importFile(rows.join('\n'), '?maxErrors=100000&validateOnly=true');
    expect(job.counts).toMatchObject({ created: 0, rejected: 5001 });
    const lines = errors.trim().split('\n').slice(1);
    expect(lines).toHaveLength(10_001);
    expect(lines.filter((l) => l.startsWith('5002,'))).toEqual([
      '5002,3 (customer_group),NOPE,no customer group has the code NOPE',
      '5002,4 (catalogue),CAT-X,no catalogue has the code CAT-X',
    ]);
  });
});
