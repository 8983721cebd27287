//! Huawei Cloud credentials and AK/SK request signing (work in progress).
