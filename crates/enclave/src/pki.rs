//! The cluster's certificates: a CA generated into the data dir on first start, the API
//! server's serving certificate, and client certificates (CN = user, O = groups).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, date_time_ymd,
};

/// A PEM certificate with its PEM private key.
#[derive(Debug, Clone)]
pub struct CertAndKey {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PEM (PKCS#8).
    pub key_pem: String,
}

/// The cluster CA, loaded or created.
pub struct Authority {
    /// The CA certificate and key.
    pub ca: CertAndKey,
    issuer: Issuer<'static, KeyPair>,
}

fn this_year() -> i32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    1970 + (secs / 31_556_952) as i32
}

fn validity(params: &mut CertificateParams, years: i32) {
    let year = this_year();
    params.not_before = date_time_ymd(year - 1, 1, 1);
    params.not_after = date_time_ymd(year + years, 1, 1);
}

/// Writes a file readable only by its owner (private keys, kubeconfigs).
pub fn write_private(path: &Path, contents: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .with_context(|| format!("writing {}", tmp.display()))?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

impl Authority {
    /// Loads the CA from `dir` (`ca.crt`, `ca.key`), creating it on first start.
    pub fn load_or_create(dir: &Path) -> Result<Self> {
        let cert_path = dir.join("ca.crt");
        let key_path = dir.join("ca.key");
        if cert_path.exists() && key_path.exists() {
            let cert_pem = fs::read_to_string(&cert_path)
                .with_context(|| format!("reading {}", cert_path.display()))?;
            let key_pem = fs::read_to_string(&key_path)
                .with_context(|| format!("reading {}", key_path.display()))?;
            let key = KeyPair::from_pem(&key_pem).context("parsing the CA key")?;
            let issuer =
                Issuer::from_ca_cert_pem(&cert_pem, key).context("parsing the CA certificate")?;
            return Ok(Self {
                ca: CertAndKey { cert_pem, key_pem },
                issuer,
            });
        }
        let key = KeyPair::generate().context("generating the CA key")?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "enclave-ca");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        validity(&mut params, 10);
        let cert = params.self_signed(&key).context("signing the CA")?;
        let ca = CertAndKey {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        };
        fs::write(&cert_path, &ca.cert_pem)?;
        write_private(&key_path, &ca.key_pem)?;
        Ok(Self {
            ca,
            issuer: Issuer::new(params, key),
        })
    }

    /// A serving certificate for the given DNS names and IP addresses.
    pub fn serving_cert(&self, dns: &[&str], ips: &[std::net::IpAddr]) -> Result<CertAndKey> {
        let mut params =
            CertificateParams::new(dns.iter().map(|s| s.to_string()).collect::<Vec<_>>())?;
        for ip in ips {
            params.subject_alt_names.push(SanType::IpAddress(*ip));
        }
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "kube-apiserver");
        params.distinguished_name = dn;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        validity(&mut params, 10);
        self.sign(params)
    }

    /// A client certificate: CN = user, O = groups.
    pub fn client_cert(&self, user: &str, groups: &[&str]) -> Result<CertAndKey> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        for g in groups {
            dn.push(DnType::OrganizationName, *g);
        }
        dn.push(DnType::CommonName, user);
        params.distinguished_name = dn;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        validity(&mut params, 10);
        self.sign(params)
    }

    fn sign(&self, params: CertificateParams) -> Result<CertAndKey> {
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(CertAndKey {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// The API server's serving certificate in `dir`, created or renewed when it does not cover
/// the listen address.
pub fn serving_material(
    authority: &Authority,
    dir: &Path,
    listen_ip: std::net::IpAddr,
) -> Result<(PathBuf, PathBuf)> {
    let cert_path = dir.join("apiserver.crt");
    let key_path = dir.join("apiserver.key");
    let mut ips: Vec<std::net::IpAddr> = vec![
        "127.0.0.1".parse()?,
        "::1".parse()?,
        // The ClusterIP of the `kubernetes` Service.
        "10.96.0.1".parse()?,
    ];
    if !listen_ip.is_unspecified() && !ips.contains(&listen_ip) {
        ips.push(listen_ip);
    }
    let covers = |pem: &str| -> bool {
        let Ok((_, der)) = x509_parser::pem::parse_x509_pem(pem.as_bytes()) else {
            return false;
        };
        let Ok(cert) = der.parse_x509() else {
            return false;
        };
        let Ok(Some(san)) = cert.subject_alternative_name() else {
            return false;
        };
        ips.iter().all(|ip| {
            san.value.general_names.iter().any(|n| match n {
                x509_parser::extensions::GeneralName::IPAddress(b) => match ip {
                    std::net::IpAddr::V4(v4) => *b == v4.octets(),
                    std::net::IpAddr::V6(v6) => *b == v6.octets(),
                },
                _ => false,
            })
        })
    };
    let current = fs::read_to_string(&cert_path).ok();
    if key_path.exists() && current.as_deref().is_some_and(covers) {
        return Ok((cert_path, key_path));
    }
    let served = authority.serving_cert(
        &[
            "localhost",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
        ],
        &ips,
    )?;
    fs::write(&cert_path, &served.cert_pem)?;
    write_private(&key_path, &served.key_pem)?;
    Ok((cert_path, key_path))
}
