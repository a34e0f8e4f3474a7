FROM aquasec/trivy:0.69.3
