{{/*
One service's Deployment: (dict "root" $ "name" "auth" "cfg" .Values.auth "env" (include ...) "command" list "volumes" string "mounts" string)
Every container: non-root, read-only root filesystem, no capabilities, a writable /tmp only.
*/}}
{{- define "apigw.deployment" -}}
{{- $root := .root -}}
{{- $cfg := .cfg -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "apigw.fullname" $root }}-{{ .name }}
  labels:
    {{- include "apigw.labels" $root | nindent 4 }}
    {{- include "apigw.selector" (dict "root" $root "name" .name) | nindent 4 }}
spec:
  {{- if not (and $cfg.autoscaling $cfg.autoscaling.enabled) }}
  {{- if not (and (eq .name "qa-worker") $root.Values.keda.enabled) }}
  replicas: {{ $cfg.replicas }}
  {{- end }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "apigw.selector" (dict "root" $root "name" .name) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "apigw.labels" $root | nindent 8 }}
        {{- include "apigw.selector" (dict "root" $root "name" .name) | nindent 8 }}
      {{- with $root.Values.podAnnotations }}
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
      {{- with $cfg.terminationGracePeriodSeconds }}
      terminationGracePeriodSeconds: {{ . }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: {{ include "apigw.image" (dict "root" $root "repository" $cfg.repository) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          {{- with .command }}
          command:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ $cfg.port }}
              protocol: TCP
          env:
            - name: NODE_ENV
              value: {{ $root.Values.nodeEnv | quote }}
            - name: LOG_LEVEL
              value: {{ $root.Values.logLevel | quote }}
            {{- with $root.Values.rabbitmq.trustedPublishers }}
            - name: EVENTS_TRUSTED_PUBLISHERS
              value: {{ . | quote }}
            {{- end }}
            {{- .env | nindent 12 }}
            {{- range $key, $value := $cfg.extraEnv }}
            - name: {{ $key }}
              value: {{ $value | quote }}
            {{- end }}
          readinessProbe:
            httpGet: { path: /ready, port: http }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          livenessProbe:
            httpGet: { path: /health, port: http }
            initialDelaySeconds: 10
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 6
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
          emptyDir: { sizeLimit: 64Mi }
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
      {{- with $root.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* A ClusterIP Service in front of one API service: (dict "root" $ "name" "auth" "cfg" .Values.auth) */}}
{{- define "apigw.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "apigw.fullname" .root }}-{{ .name }}
  labels:
    {{- include "apigw.labels" .root | nindent 4 }}
    {{- include "apigw.selector" (dict "root" .root "name" .name) | nindent 4 }}
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
    {{- include "apigw.labels" .root | nindent 4 }}
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
{{- end }}
{{- end -}}

{{- define "apigw.pdb" -}}
{{- if .cfg.pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "apigw.fullname" .root }}-{{ .name }}
  labels:
    {{- include "apigw.labels" .root | nindent 4 }}
spec:
  minAvailable: {{ .cfg.pdb.minAvailable }}
  selector:
    matchLabels:
      {{- include "apigw.selector" (dict "root" .root "name" .name) | nindent 6 }}
{{- end }}
{{- end -}}
