export * from './model';
export { renderDocx } from './docx';
export { renderXlsx } from './xlsx';
