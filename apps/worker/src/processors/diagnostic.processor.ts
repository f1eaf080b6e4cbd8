import { runDiagnostic } from '@customer-hub/diagnostics';
import { defineProcessor } from '@customer-hub/queue';

export const diagnosticProcessor = defineProcessor('diagnostic', runDiagnostic);
