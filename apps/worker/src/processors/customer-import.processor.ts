import { customerImportTwoPhase, importCustomers } from '@customer-hub/customers';
import { defineProcessor } from '@customer-hub/queue';

export const customerImportProcessor = defineProcessor('customer-import', importCustomers, customerImportTwoPhase);
