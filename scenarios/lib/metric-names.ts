// The custom metrics' names live in model/ (the converter of k6's metric stream reads them too).
export { METRICS } from '../../model/metric-names.ts';
