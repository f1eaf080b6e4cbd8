import { exportProducts } from '@customer-hub/exports';
import { defineProcessor } from '@customer-hub/queue';

export const exportProcessor = defineProcessor('export', (ctx) => exportProducts(ctx, ctx.config.exports.ttlHours));
