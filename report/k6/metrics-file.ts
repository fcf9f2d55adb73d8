/** The name `cartload run` (and k6-operator runners written by `cartload deploy`) give k6's metric stream in a run folder. */
export const K6_METRICS_FILE = 'k6-metrics.csv.gz';
