/** Graph inference and the profile report it feeds. */
export { inferModel } from './infer-graph';
export type { Report } from './report';
