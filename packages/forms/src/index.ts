export * from './model';
export { renderDocx } from './docx';
export { renderXlsx } from './xlsx';
export { peopleRegisterColumns, peopleRegisterTitle, renderPeopleRegister, type PeopleRegisterRow, type PeopleRegisterSpec } from './people-register';
