import type { ProcessorDefinition } from '@customer-hub/queue';
import { customerImportProcessor } from './customer-import.processor';
import { customerLabelsProcessor } from './customer-labels.processor';
import { diagnosticProcessor } from './diagnostic.processor';
import { exportProcessor } from './export.processor';
import { productImportProcessor } from './product-import.processor';
import { purchaseHistoryProcessor } from './purchase-history.processor';

/** Every processor of the worker; startup refuses to run unless each job kind appears exactly once. */
export const processors: ProcessorDefinition[] = [
  diagnosticProcessor,
  purchaseHistoryProcessor,
  productImportProcessor,
  exportProcessor,
  customerImportProcessor,
  customerLabelsProcessor,
];
