{{/*
One component's Deployment: (dict "root" $ "name" "auth" "cfg" .Values.auth "env" (include ...) "command" list "volumes" string "mounts" string)
Every container: non-root, read-only root filesystem, no capabilities, a writable /tmp only.
*/}}
{{- define "apigw.deployment" -}}
{{- $root := .root -}}
{{- $cfg := .cfg -}}
{{- $probes := mergeOverwrite (deepCopy $root.Values.probes) (deepCopy ($cfg.probes | default dict)) -}}
{{- $shutdownSeconds := max 1 (sub (sub $cfg.terminationGracePeriodSeconds $cfg.preStopSeconds) 5) -}}
{{- /* The chart's variables, then extraEnv: a name the chart sets is replaced in place, never repeated. */ -}}
{{- $base := list (dict "name" "NODE_ENV" "value" ($root.Values.nodeEnv | toString)) (dict "name" "LOG_LEVEL" "value" ($root.Values.logLevel | toString)) (dict "name" "MANAGEMENT_PORT" "value" ($root.Values.managementPort | toString)) (dict "name" "SHUTDOWN_TIMEOUT_MS" "value" (mul $shutdownSeconds 1000 | toString)) -}}
{{- with $root.Values.tracing.otlpEndpoint -}}
{{- $base = concat $base (list (dict "name" "OTEL_EXPORTER_OTLP_ENDPOINT" "value" .) (dict "name" "OTEL_TRACES_SAMPLER_ARG" "value" ($root.Values.tracing.samplingRatio | toString))) -}}
{{- end -}}
{{- $env := concat $base (fromYamlArray .env) -}}
{{- $extra := $cfg.extraEnv | default dict -}}
{{- $merged := list -}}
{{- $seen := dict -}}
{{- range $env -}}
{{- $_ := set $seen .name true -}}
{{- if hasKey $extra .name -}}
{{- $merged = append $merged (include "apigw.extraEnvVar" (dict "name" .name "value" (get $extra .name)) | fromYaml) -}}
{{- else -}}
{{- $merged = append $merged . -}}
{{- end -}}
{{- end -}}
{{- range $name := keys $extra | sortAlpha -}}
{{- if not (hasKey $seen $name) -}}
{{- $merged = append $merged (include "apigw.extraEnvVar" (dict "name" $name "value" (get $extra $name)) | fromYaml) -}}
{{- end -}}
{{- end -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "apigw.fullname" $root }}-{{ .name }}
  labels:
    {{- include "apigw.labels" (dict "root" $root "name" .name) | nindent 4 }}
spec:
  {{- if not (and $cfg.autoscaling $cfg.autoscaling.enabled) }}
  {{- if not (and (eq .name "qa-worker") $root.Values.keda.enabled) }}
  replicas: {{ $cfg.replicas }}
  {{- end }}
  {{- end }}
  revisionHistoryLimit: 5
  # A new pod is ready before an old one goes.
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  selector:
    matchLabels:
      {{- include "apigw.selector" (dict "root" $root "name" .name) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "apigw.podLabels" (dict "root" $root "name" .name) | nindent 8 }}
      {{- with (merge (deepCopy ($cfg.podAnnotations | default dict)) $root.Values.podAnnotations) }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "apigw.serviceAccountName" $root }}
      automountServiceAccountToken: false
      {{- with $root.Values.image.pullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $cfg.terminationGracePeriodSeconds }}
      containers:
        - name: {{ .name }}
          image: {{ include "apigw.image" (dict "root" $root "image" $cfg.image) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          {{- with .command }}
          command:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ $cfg.port }}
              protocol: TCP
            - name: management
              containerPort: {{ $root.Values.managementPort }}
              protocol: TCP
          env:
            {{- toYaml $merged | nindent 12 }}
          {{- with $cfg.extraEnvFrom }}
          envFrom:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          startupProbe:
            httpGet: { path: /health, port: management }
            {{- toYaml $probes.startup | nindent 12 }}
          readinessProbe:
            httpGet: { path: /ready, port: management }
            {{- toYaml $probes.readiness | nindent 12 }}
          livenessProbe:
            httpGet: { path: /health, port: management }
            {{- toYaml $probes.liveness | nindent 12 }}
          {{- if gt (int $cfg.preStopSeconds) 0 }}
          # Keeps serving while the endpoints and the ingress stop sending here; SIGTERM comes after.
          lifecycle:
            preStop:
              exec:
                command: ["sleep", {{ $cfg.preStopSeconds | quote }}]
          {{- end }}
          resources:
            {{- toYaml $cfg.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- with .mounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: { sizeLimit: {{ $cfg.tmpSizeLimit }} }
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
      {{- with ($cfg.nodeSelector | default $root.Values.nodeSelector) }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with ($cfg.tolerations | default $root.Values.tolerations) }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with ($cfg.affinity | default $root.Values.affinity) }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with ($cfg.topologySpreadConstraints | default $root.Values.topologySpreadConstraints) }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* One extraEnv entry: NAME: "value" or NAME: { valueFrom: {...} }: (dict "name" "X" "value" $v) */}}
{{- define "apigw.extraEnvVar" -}}
name: {{ .name }}
{{- if kindIs "map" .value }}
valueFrom:
  {{- toYaml .value.valueFrom | nindent 2 }}
{{- else }}
value: {{ .value | toString | quote }}
{{- end }}
{{- end -}}

{{/* A ClusterIP Service in front of one API service (its HTTP port only): (dict "root" $ "name" "auth" "cfg" .Values.auth) */}}
{{- define "apigw.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "apigw.fullname" .root }}-{{ .name }}
  labels:
    {{- include "apigw.labels" (dict "root" .root "name" .name) | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "apigw.selector" (dict "root" .root "name" .name) | nindent 4 }}
  ports:
    - name: http
      port: {{ .cfg.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{- define "apigw.hpa" -}}
{{- if .cfg.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "apigw.fullname" .root }}-{{ .name }}
  labels:
    {{- include "apigw.labels" (dict "root" .root "name" .name) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "apigw.fullname" .root }}-{{ .name }}
  minReplicas: {{ .cfg.autoscaling.minReplicas }}
  maxReplicas: {{ .cfg.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .cfg.autoscaling.targetCPUUtilizationPercentage }}
  {{- with .cfg.autoscaling.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* maxUnavailable, never minAvailable: a budget must let a node drain even with one replica. */}}
{{- define "apigw.pdb" -}}
{{- if .cfg.pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "apigw.fullname" .root }}-{{ .name }}
  labels:
    {{- include "apigw.labels" (dict "root" .root "name" .name) | nindent 4 }}
spec:
  maxUnavailable: {{ .cfg.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "apigw.selector" (dict "root" .root "name" .name) | nindent 6 }}
{{- end }}
{{- end -}}
