export { defaultObject } from './default-object.js';
export { defaultServiceIPFamilyFields } from './ip-families.js';
export { DEFAULT_CLIENT_IP_AFFINITY_SECONDS } from './service.js';
export { LABEL_METADATA_NAME } from './namespace.js';
