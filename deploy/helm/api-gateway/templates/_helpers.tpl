{{- define "apigw.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{/* "<release>-<name>", or the release alone when it contains the name; fullnameOverride wins. */}}
{{- define "apigw.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "apigw.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Labels of an object's metadata: the selector labels, then what changes with a release (chart and
app version). Never on pod templates: a chart bump must not restart unchanged workloads.
(dict "root" $ "name" "auth"); without "name", the release's common labels alone.
*/}}
{{- define "apigw.labels" -}}
{{- if .name -}}
{{ include "apigw.podLabels" . }}
{{- else -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/part-of: {{ include "apigw.name" .root }}
{{- end }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{/* A component's pod labels: its selector labels, its component and what it is part of. */}}
{{- define "apigw.podLabels" -}}
{{ include "apigw.selector" . }}
app.kubernetes.io/component: {{ .name }}
app.kubernetes.io/part-of: {{ include "apigw.name" .root }}
{{- end -}}

{{/* Selector labels of one component (immutable once deployed): (dict "root" $ "name" "auth") */}}
{{- define "apigw.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* A Secret's name: its own name, else existingSecret, else "<fullname>-<suffix>": (dict "root" $ "name" "" "suffix" "identity") */}}
{{- define "apigw.secretName" -}}
{{- if .name -}}{{ .name }}{{- else if .root.Values.existingSecret -}}{{ .root.Values.existingSecret }}{{- else -}}{{ printf "%s-%s" (include "apigw.fullname" .root) .suffix }}{{- end -}}
{{- end -}}

{{/* <registry>/<repository>:<tag>[@<digest>]: (dict "root" $ "image" .Values.auth.image) */}}
{{- define "apigw.image" -}}
{{- $tag := .image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- $repository := .image.repository -}}
{{- if .root.Values.image.registry -}}{{- $repository = printf "%s/%s" .root.Values.image.registry .image.repository -}}{{- end -}}
{{- if .image.digest -}}
{{ printf "%s:%s@%s" $repository $tag .image.digest }}
{{- else -}}
{{ printf "%s:%s" $repository $tag }}
{{- end -}}
{{- end -}}

{{- define "apigw.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{ default (include "apigw.fullname" .) .Values.serviceAccount.name }}
{{- else -}}
{{ default "default" .Values.serviceAccount.name }}
{{- end -}}
{{- end -}}

{{/* Env vars holding one user's credentials, then the URL that names them: (dict "root" $ "prefix" "MONGO" "cred" $cred "suffix" "mongodb-auth" "url" $url "var" "MONGO_URL") */}}
{{- define "apigw.storeEnv" -}}
{{- $secret := include "apigw.secretName" (dict "root" .root "name" .cred.name "suffix" .suffix) -}}
{{- if .cred.usernameKey }}
- name: {{ .prefix }}_USERNAME
  valueFrom: { secretKeyRef: { name: {{ $secret }}, key: {{ .cred.usernameKey }} } }
{{- end }}
- name: {{ .prefix }}_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ $secret }}, key: {{ .cred.passwordKey }} } }
- name: {{ .var }}
  value: {{ .url | quote }}
{{- end -}}

{{/* The gateway signs with IDENTITY_SECRET; the services also accept IDENTITY_SECRET_PREVIOUS when the Secret has it. */}}
{{- define "apigw.identityEnv" -}}
{{- $secret := include "apigw.secretName" (dict "root" .root "name" .root.Values.secrets.identity.name "suffix" "identity") -}}
- name: IDENTITY_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ .root.Values.secrets.identity.key }}
{{- if and .verifies .root.Values.secrets.identity.previousKey }}
- name: IDENTITY_SECRET_PREVIOUS
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ .root.Values.secrets.identity.previousKey }}
      optional: true
{{- end }}
{{- end -}}

{{- /* JWT_ISSUER for auth and the gateway alike: the tokens' iss must be the issuer the metadata names. */ -}}
{{- define "apigw.issuerEnv" -}}
{{- $issuer := .Values.issuer -}}
{{- if and (not $issuer) .Values.ingress.enabled -}}
{{- $issuer = printf "%s://%s" (ternary "https" "http" (gt (len .Values.ingress.tls) 0)) .Values.ingress.host -}}
{{- end -}}
{{- if $issuer -}}
- name: JWT_ISSUER
  value: {{ $issuer | quote }}
{{- end -}}
{{- end -}}

{{- define "apigw.mongoEnv" -}}
{{- $cred := index .root.Values.mongodb.credentials .service -}}
{{ include "apigw.storeEnv" (dict "root" .root "prefix" "MONGO" "cred" $cred "suffix" (printf "mongodb-%s" .service) "url" .root.Values.mongodb.url "var" "MONGO_URL") }}
{{- end -}}

{{- define "apigw.redisEnv" -}}
{{ include "apigw.storeEnv" (dict "root" . "prefix" "REDIS" "cred" .Values.redis.credentials "suffix" "redis" "url" .Values.redis.url "var" "REDIS_URL") }}
{{- end -}}

{{- /* BullMQ's prefix as the services resolve it: set, or {bull} on a Redis Cluster, else bull. */ -}}
{{- define "apigw.queuePrefix" -}}
{{- .Values.redis.queuePrefix | default (ternary "{bull}" "bull" (regexMatch "^rediss?\\+cluster://" .Values.redis.url)) -}}
{{- end -}}

{{- define "apigw.queuePrefixEnv" -}}
{{- if .Values.redis.queuePrefix -}}
- name: QA_QUEUE_PREFIX
  value: {{ .Values.redis.queuePrefix | quote }}
{{- end -}}
{{- end -}}

{{- define "apigw.amqpEnv" -}}
{{- $cred := index .root.Values.rabbitmq.credentials .service -}}
{{ include "apigw.storeEnv" (dict "root" .root "prefix" "AMQP" "cred" $cred "suffix" (printf "rabbitmq-%s" .service) "url" .root.Values.rabbitmq.url "var" "AMQP_URL") }}
{{- end -}}

{{/* For the services that consume events: whose events to believe. */}}
{{- define "apigw.trustedPublishersEnv" -}}
{{- with .Values.rabbitmq.trustedPublishers }}
- name: EVENTS_TRUSTED_PUBLISHERS
  value: {{ . | quote }}
{{- end }}
{{- end -}}
