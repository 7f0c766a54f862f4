export * from './collections';
export * from './views';
