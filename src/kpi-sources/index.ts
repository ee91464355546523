export { type PrometheusOptions, prometheusKpiSource } from './prometheus-kpi-source.js';
