// Types of the winston and logform files src/logging/winston-parts.ts imports one by one; each file
// exports what the package's index re-exports under the name given here.
declare module 'winston/lib/winston/create-logger.js' {
  const createLogger: typeof import('winston').createLogger;
  export default createLogger;
}
declare module 'logform/combine.js' {
  const combine: typeof import('logform').format.combine;
  export default combine;
}
declare module 'logform/errors.js' {
  const errors: typeof import('logform').format.errors;
  export default errors;
}
declare module 'logform/format.js' {
  const format: typeof import('logform').format;
  export default format;
}
