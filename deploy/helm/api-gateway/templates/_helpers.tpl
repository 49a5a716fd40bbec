{{- define "apigw.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "apigw.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "name" "auth") */}}
{{- define "apigw.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* A Secret's name from values, or "<fullname>-<suffix>" when empty: (dict "root" $ "name" "" "suffix" "identity") */}}
{{- define "apigw.secretName" -}}
{{- if .name -}}{{ .name }}{{- else -}}{{ printf "%s-%s" (include "apigw.fullname" .root) .suffix }}{{- end -}}
{{- end -}}

{{- define "apigw.image" -}}
{{- $tag := .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{ printf "%s/%s:%s" .root.Values.image.registry .repository $tag }}
{{- else -}}
{{ printf "%s:%s" .repository $tag }}
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

{{- define "apigw.identityEnv" -}}
- name: IDENTITY_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "apigw.secretName" (dict "root" . "name" .Values.secrets.identity.name "suffix" "identity") }}
      key: {{ .Values.secrets.identity.key }}
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

{{- define "apigw.amqpEnv" -}}
{{- $cred := index .root.Values.rabbitmq.credentials .service -}}
{{ include "apigw.storeEnv" (dict "root" .root "prefix" "AMQP" "cred" $cred "suffix" (printf "rabbitmq-%s" .service) "url" .root.Values.rabbitmq.url "var" "AMQP_URL") }}
{{- end -}}
