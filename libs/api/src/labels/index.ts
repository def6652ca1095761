export { labelKeyErrors, labelValueErrors } from './label-syntax.js';
export { newRequirement, parseSelector } from './parser.js';
export {
  requirementMatches,
  requirementToString,
  Selector,
  SelectorParseError,
  type LabelSet,
  type Requirement,
  type SelectorOperator,
} from './selector.js';
export { formatLabels, selectorFromLabelSelector, selectorFromServiceSelector, selectorFromSet, validatedSelectorFromSet, type LabelSelectorSpec } from './set.js';
