export { buildApp, type AppDeps } from './app';
export { startApiServer } from './server';
