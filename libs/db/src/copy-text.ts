/** Text-format COPY escaping of one value (values with tabs, line breaks or backslashes stay intact). */
export const copyText = (v: string) =>
  /[\\\t\n\r]/.test(v)
    ? v.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!)
    : v;
