// A server that detaches with Qt 5's QProcess::startDetached(program,
// arguments, workingDirectory, &pid): Qt's own way to start a process that
// outlives the caller. One JSON argv per line on stdin, one line back: the
// PID, or "error: ...". With --latency: the latency mode of latency.h
// (bench/report.sh).
#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <cstdio>
#include <iostream>
#include <string>

#include "latency.h"

static int DetachProgram(const char* program, void*) {
  qint64 pid = 0;
  if (QProcess::startDetached(QString::fromLocal8Bit(program), QStringList(), QString(), &pid)) return 0;
  std::fprintf(stderr, "QProcess::startDetached failed\n");
  return -1;
}

int main(int argc, char** argv) {
  if (int status = latency_main(argc, argv, DetachProgram, nullptr); status >= 0) return status;
  std::string line;
  while (std::getline(std::cin, line)) {
    QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(line));
    QStringList argv;
    for (const auto& v : doc.array()) argv << v.toString();
    if (!doc.isArray() || argv.isEmpty()) {
      std::printf("error: not a JSON argv\n");
    } else {
      QString program = argv.takeFirst();
      qint64 pid = 0;
      if (QProcess::startDetached(program, argv, QString(), &pid)) {
        std::printf("%lld\n", static_cast<long long>(pid));
      } else {
        std::printf("error: QProcess::startDetached failed\n");
      }
    }
    std::fflush(stdout);
  }
  return 0;
}
