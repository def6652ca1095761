export { FieldSelector, parseFieldSelector, SELECTABLE_FIELDS, type FieldRequirement } from './field-selector.js';
