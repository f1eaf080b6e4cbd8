import { exportCustomers, exportProducts } from '@customer-hub/exports';
import { defineProcessor } from '@customer-hub/queue';

export const exportProcessor = defineProcessor('export', (ctx) =>
  ctx.params.what === 'customers'
    ? exportCustomers(ctx, ctx.params, ctx.config.exports)
    : exportProducts(ctx, ctx.params, ctx.config.exports.ttlHours),
);
