import { importProducts, productImportTwoPhase } from '@customer-hub/catalogue';
import { defineProcessor } from '@customer-hub/queue';

export const productImportProcessor = defineProcessor('product-import', importProducts, productImportTwoPhase);
