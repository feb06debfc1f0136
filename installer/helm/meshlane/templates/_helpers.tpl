{{/* Image reference: registry/name:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "meshlane.image" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}
{{- $tag := $root.Values.images.tag | default $root.Chart.AppVersion -}}
{{- if $root.Values.images.registry -}}{{ printf "%s/%s:%s" $root.Values.images.registry $name $tag }}{{- else -}}{{ printf "%s:%s" $name $tag }}{{- end -}}
{{- end -}}

{{- define "meshlane.labels" -}}
app.kubernetes.io/part-of: meshlane
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Whether the agent connects to a control plane: only with trust to make its first contact. */}}
{{- define "meshlane.agentTrust" -}}
{{- if .Values.controlPlane.trustSecret -}}{{ .Values.controlPlane.trustSecret }}
{{- else if and .Values.controlPlane.ca .Values.controlPlane.joinToken -}}meshlane-agent-trust
{{- end -}}
{{- end -}}

{{- define "meshlane.controlPlaneAddress" -}}
{{- if .Values.controlPlane.address -}}{{ .Values.controlPlane.address }}
{{- else if .Values.control.enabled -}}{{ printf "meshlane-control.%s.svc:%v" .Release.Namespace .Values.control.ports.agents }}
{{- end -}}
{{- end -}}

{{- /* root in the container, but only these capabilities: never privileged: true */}}
{{- define "meshlane.agentSecurity" }}
securityContext:
  runAsUser: 0
  privileged: false
  # allowPrivilegeEscalation stays unset: Kubernetes refuses false beside an added SYS_ADMIN
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
    add:
      # load programs, create maps, pin and adopt them (bpf(2) without CAP_SYS_ADMIN on >= 5.8)
      - BPF
      # attach cgroup sock_addr/sockopt/sock_ops programs and use sk_msg with sockhash: network program types
      - NET_ADMIN
      # iterate and open programs/links by id when adopting pins, and bpf(2) on kernels older than 5.8
      - SYS_ADMIN
      # raise RLIMIT_MEMLOCK for maps on kernels before 5.11 (no memcg accounting of BPF memory there)
      - SYS_RESOURCE
      # no PERFMON: the programs use no perf events, tracing helpers or ring buffers
{{- end }}
{{- define "meshlane.agentMounts" }}
volumeMounts:
  # bpffs of the node: the pins are files of the host's bpffs, so they outlive this pod and the next
  # agent adopts them. HostToContainer lets a bpffs the host mounts later show up here; Bidirectional
  # (mounts made here reaching the host) is only allowed to privileged containers, and the agent
  # mounts nothing.
  - name: bpffs
    mountPath: /sys/fs/bpf
    mountPropagation: HostToContainer
  # the node's cgroup2 hierarchy (not the container's cgroup namespace): attach points and pod cgroups
  - name: cgroup
    mountPath: {{ .Values.agent.hostPaths.cgroup }}
    mountPropagation: HostToContainer
  # registrations and the node certificate, kept across agent restarts
  - name: state
    mountPath: /run/meshlane
  # the JVM's scratch space: the root file system is read-only
  - name: tmp
    mountPath: /tmp
  # no /proc from the host: the agent reads only its own /proc/self/status, /proc/mounts and
  # /proc/sys/kernel/osrelease, which the container's /proc shows
{{- end }}
