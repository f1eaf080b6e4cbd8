import { waitForJob } from '@customer-hub/testing';
import request from 'supertest';
import { bearer, type Harness } from './harness';

/** Imports a customer file as the given caller, waits for the job, and returns it as the API shows it, with its error report. */
export async function importCustomers(
  h: Harness,
  token: string,
  body: string | Buffer,
  query = '',
  contentType = 'text/csv',
) {
  const res = await request(h.app)
    .post(`/v1/imports/customers${query}`)
    .set(bearer(token))
    .set('Content-Type', contentType)
    .send(Buffer.from(body));
  expect(res.status).toBe(202);
  await waitForJob(h.ds, res.body.jobId);
  const job = (await request(h.app).get(`/v1/jobs/${res.body.jobId}`).set(bearer(token))).body;
  const errors = job.files?.some((f: { name: string }) => f.name === 'errors.csv')
    ? (await request(h.app).get(`/v1/jobs/${job.id}/files/errors.csv`).set(bearer(token))).text
    : '';
  return { job, errors };
}

/** The account's stored customer with that number (its row as Postgres has it, with its group's code), if any. */
export async function storedCustomer(h: Harness, accountId: string, number: string) {
  const rows = await h.ds.query(
    `SELECT c.*, g.code AS group_code FROM customers c LEFT JOIN customer_groups g ON g.id = c.group_id
     WHERE c.account_id = $1 AND c.customer_number = $2`,
    [accountId, number],
  );
  return rows[0];
}
