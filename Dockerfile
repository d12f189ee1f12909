# syntax=docker/dockerfile:1
# ServerlessCovid Functions app for Azure Container Apps with a serverless GPU (see docs/deploy.md).
# Research tool, not a diagnostic device.
#
#   docker build -t serverlesscovid-functions:dev .
#
# Three stages:
#   build  - .NET 10 SDK publishes src/ServerlessCovid.Functions (framework-dependent, linux-x64 natives).
#   cuda   - NVIDIA's CUDA 13 + cuDNN 9 runtime image, used only as a source of the user-space libraries.
#   final  - the Azure Functions isolated .NET 10 host image, the published app, those libraries, a non-root user.
#
# Why CUDA 13 and cuDNN 9: libonnxruntime_providers_cuda.so of Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0 (the
# package this repository restores) declares NEEDED libcudart.so.13, libcublas.so.13, libcublasLt.so.13 and
# libcurand.so.10 (readelf -d), loads cuDNN 9, cuFFT and NVRTC 13 at run time, and its error text asks for "cuDNN 9.*";
# the ONNX Runtime CUDA execution provider requirements page
# (https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html#requirements) states that a build for
# CUDA major N works with any N.x and that cuDNN 8 and 9 builds are not interchangeable. CUDA 13 needs an NVIDIA
# driver >= 580 on the host; the GPU driver is provided by the platform, not this image.

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG CUDA_IMAGE=nvidia/cuda:13.0.2-cudnn-runtime-ubuntu24.04
ARG FUNCTIONS_IMAGE=mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
# The NuGet cache is a build cache mount: it never lands in a layer, and rebuilds do not download again.
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish src/ServerlessCovid.Functions/ServerlessCovid.Functions.csproj \
        --configuration Release \
        --output /app/publish \
        -p:UseAppHost=false \
    && rm -f /app/publish/local.settings.json \
    # TensorRT is not used (the CUDA provider is): drop its provider library.
    && find /app/publish -name 'libonnxruntime_providers_tensorrt.so' -delete

FROM ${CUDA_IMAGE} AS cuda
# Gather exactly the user-space libraries the ONNX Runtime CUDA provider loads (versioned files plus their soname
# symlinks, kept as links so nothing is stored twice), so the final stage copies one folder and not the CUDA toolkit.
# The driver library libcuda.so.1 is not here: the GPU host injects it.
RUN mkdir -p /opt/cuda/lib \
    && for pattern in 'libcudart.so.13*' 'libcublas.so.13*' 'libcublasLt.so.13*' 'libcurand.so.10*' \
                      'libcufft.so.12*' 'libnvrtc.so.13*' 'libnvrtc-builtins.so.13*' 'libcudnn*.so.9*'; do \
         found=$(find / -xdev -name "$pattern" \( -type f -o -type l \) 2>/dev/null | head -n 1); \
         if [ -z "$found" ]; then echo "missing CUDA library: $pattern" >&2; exit 1; fi; \
         find / -xdev -name "$pattern" \( -type f -o -type l \) -exec cp -P -n {} /opt/cuda/lib/ \; 2>/dev/null; \
       done

FROM ${FUNCTIONS_IMAGE} AS final
ARG APP_UID=10001

# TorchSharp (retraining) needs GLIBCXX_3.4.32 (GCC 13's libstdc++). The repository patches libLibTorchSharp.so only
# when the *build* machine lacks it (build/TorchSharp); here build and runtime images differ, so refuse a runtime
# base image whose libstdc++ is older rather than ship an image whose retraining fails at the first TorchSharp call.
RUN lib=$(find / -xdev -name 'libstdc++.so.6' 2>/dev/null | head -n 1) \
    && grep -q GLIBCXX_3.4.32 "$(readlink -f "$lib")" \
    || { echo "runtime base image libstdc++ lacks GLIBCXX_3.4.32 (TorchSharp needs GCC 13's libstdc++)" >&2; exit 1; }

COPY --from=cuda /opt/cuda/lib/ /opt/cuda/lib/
COPY --from=build /app/publish/ /home/site/wwwroot/

# Non-root: the host listens on 8080 (ports below 1024 need root) and writes logs and data under /home.
RUN groupadd --system --gid ${APP_UID} functions \
    && useradd --system --uid ${APP_UID} --gid functions --home-dir /home --no-create-home --shell /usr/sbin/nologin functions \
    && mkdir -p /home/LogFiles /home/data /home/ASP.NET \
    && chown -R ${APP_UID}:${APP_UID} /home/LogFiles /home/data /home/ASP.NET

# TorchRuntime sets both natively too; ONEDNN_MAX_CPU_ISA: oneDNN's AVX-512 kernels computed some channels-last 1×1
# convolutions wrongly on an AVX-512 EPYC (models/nasnet-a-mobile.md), and training checks the layouts agree anyway.
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    FUNCTIONS_WORKER_RUNTIME=dotnet-isolated \
    ASPNETCORE_URLS=http://+:8080 \
    LD_LIBRARY_PATH=/opt/cuda/lib \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    Inference__ExecutionProvider=cuda \
    OMP_WAIT_POLICY=PASSIVE \
    ONEDNN_MAX_CPU_ISA=AVX2

EXPOSE 8080
USER ${APP_UID}:${APP_UID}
