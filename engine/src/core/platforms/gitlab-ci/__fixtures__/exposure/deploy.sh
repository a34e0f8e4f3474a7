#!/bin/sh
# Deploys the built service (the job passes --token from a protected variable).
set -eu
kubectl apply -f k8s/
