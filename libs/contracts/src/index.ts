export {
  COMPATIBILITY_LEVELS,
  canRead,
  checkCompatibility,
  isCompatibilityLevel,
  parseAvro,
  type CompatibilityLevel,
  type CompatibilityVerdict,
} from './schema-compatibility';
