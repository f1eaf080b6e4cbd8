import { ADDRESS_KINDS, CONTACT_SLOTS, OTHER_ADDRESS_SLOTS, SCALAR_FIELDS } from '../fields';

/** Staging table of one customer import (its id is a uuid we made: hex only). */
export const customerStagingOf = (jobRunId: string) => `customer_stage_${jobRunId.replaceAll('-', '')}`;

/** Structured parts: each staged as the parts to set (jsonb) and the parts to clear (text[]). */
const STRUCTURED = [
  ...ADDRESS_KINDS.map((k) => `${k}`),
  ...Array.from({ length: CONTACT_SLOTS }, (_, i) => `contact${i + 1}`),
  ...Array.from({ length: OTHER_ADDRESS_SLOTS }, (_, i) => `other_address${i + 1}`),
  'custom',
];

/** The staging table's columns after `line` and `number`, in COPY order. */
export const STAGED_COLUMNS = [
  ...SCALAR_FIELDS.map((f) => f.column),
  ...STRUCTURED.flatMap((s) => [`${s}_set`, `${s}_clear`]),
  'id',
  'digest',
  // A row rejected while staged, kept only for its number (see RowStager.numberOnly).
  'rejected',
];

export function createStagingSql(stage: string): string {
  const scalars = SCALAR_FIELDS.map((f) => `${f.column} text`);
  const structured = STRUCTURED.map((s) => `${s}_set jsonb, ${s}_clear text[]`);
  // id: the id a new customer gets (made while reading; see uuidV7); digest: the row's (see first-pass.ts)
  return `CREATE UNLOGGED TABLE ${stage} (line int NOT NULL, number text COLLATE "C" NOT NULL,
    ${[...scalars, ...structured].join(', ')}, id uuid, digest bigint, rejected boolean)`;
}
