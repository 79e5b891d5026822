// Kubernetes object types from @kubernetes/client-node (2.x, an ES module). Type-only, so the builders
// load nothing at run time; the `resolution-mode` attribute lets this CommonJS package import ESM types.
export type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1ObjectMeta,
  V1OwnerReference,
  V1PodDisruptionBudget,
  V1SecurityContext,
  V1Service,
  V1Volume,
  V1VolumeMount,
  V2HorizontalPodAutoscaler,
  V2MetricSpec,
} from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
