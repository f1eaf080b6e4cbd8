import { PassThrough, type Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { ADDRESS_KINDS, CONTACT_SLOTS, OTHER_ADDRESS_SLOTS, SCALAR_FIELDS, templateColumns } from './fields';

/** One example customer, so the template shows each column's spelling. */
const EXAMPLE: Record<string, string> = {
  customer_number: 'C-1001',
  type: 'business',
  name: 'Example Foods Ltd',
  contact_name: 'Ann Example',
  email: 'orders@example.com',
  phone: '+44 20 7946 0000',
  cutoff_enabled: 'true',
  cutoff_time: '16:00',
  cutoff_type: 'strict',
  delivery_days: 'mon|wed|fri',
  labels: 'vip|north',
  portal_access: 'false',
  billing_line1: '1 Example Street',
  billing_city: 'London',
  billing_postcode: 'E1 6AN',
  billing_country: 'GB',
  contact1_name: 'Bob Buyer',
  contact1_email: 'bob@example.com',
  contact1_phones: '+44 20 7946 0001|+44 7700 900000',
  contact1_role: 'buyer',
  other_address1_label: 'North depot',
  other_address1_line1: '2 Dock Road',
  other_address1_city: 'Hull',
  other_address1_postcode: 'HU1 1AA',
  other_address1_country: 'GB',
};

/** What each column holds, for the template's second sheet and the API docs. */
export function columnDescriptions(): [string, string][] {
  return [
    ['customer_number', 'The customer reference, unique in the account (required)'],
    ...SCALAR_FIELDS.map((f): [string, string] => [f.column, f.description]),
    ...ADDRESS_KINDS.map((k): [string, string] => [
      `${k}_company … ${k}_phone`,
      `Default ${k} address: company, name, line1, line2, city, region, postcode, country, phone`,
    ]),
    [
      `contact1_name … contact${CONTACT_SLOTS}_role`,
      `Up to ${CONTACT_SLOTS} contacts: name, email, phones (several, "|"), role`,
    ],
    [
      `other_address1_label … other_address${OTHER_ADDRESS_SLOTS}_phone`,
      `Up to ${OTHER_ADDRESS_SLOTS} further addresses (depots, sites), each with a label and the address parts; ` +
        'any after those, added through the API, stay as they are',
    ],
    ['custom:<key>', 'A custom field per column, e.g. "custom:account manager"'],
  ];
}

/** The import template as CSV: the header and one example row. */
export function templateCsv(): Readable {
  const columns = templateColumns();
  const out = stringify({ header: true, columns });
  out.end(Object.fromEntries(columns.map((c) => [c, EXAMPLE[c] ?? ''])));
  return out;
}

/** The import template as XLSX: the same sheet, and a second one describing the columns. */
export async function templateXlsx(): Promise<Readable> {
  const body = new PassThrough();
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: body, useSharedStrings: false });
  const sheet = book.addWorksheet('customers');
  const columns = templateColumns();
  sheet.addRow(columns).commit();
  sheet.addRow(columns.map((c) => EXAMPLE[c] ?? '')).commit();
  sheet.commit();
  const help = book.addWorksheet('columns');
  help.addRow(['column', 'meaning']).commit();
  for (const row of columnDescriptions()) help.addRow(row).commit();
  help.commit();
  // Not awaited (the caller streams the body as it is written); a failure ends the body with it.
  book.commit().catch((err: Error) => body.destroy(err));
  return body;
}
